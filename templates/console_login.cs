<?cs set:Page.title = "Log in" ?><?cs include:"console_head.cs" ?>
<h1>Log in</h1>
<?cs if:Login.timeout ?><p class="notice" id="timeout" role="status">Your session ended after <?cs var:Login.timeout ?> without activity. Log in again.</p><?cs /if ?>
<?cs if:Login.logout ?><p class="notice" id="logged-out" role="status">You are logged out.</p><?cs /if ?>
<p>Certificate of <strong id="login-name"><?cs var:Login.name ?></strong> (<?cs var:Login.roles ?>) accepted: <span id="login-subject"><?cs var:Login.subject ?></span>, SHA-256 <code class="fp" id="login-fingerprint"><?cs var:Login.fingerprint ?></code>. Enter the 6-digit code your authenticator app shows for Paraphe.</p>
<?cs if:Login.msg ?><p class="error" id="login-error" role="alert"><?cs var:Login.msg ?></p><?cs /if ?>
<form method="post" action="/login">
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="code">Code</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus<?cs if:Login.msg ?> aria-invalid="true" aria-describedby="login-error"<?cs /if ?>>
<button type="submit" class="primary" id="login">Log in</button>
</form>
<?cs include:"console_foot.cs" ?>
