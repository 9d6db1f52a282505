<?cs set:Page.title = "Set up your second factor" ?><?cs include:"console_head.cs" ?>
<h1>Set up your second factor</h1>
<p>Certificate of <strong id="login-name"><?cs var:Login.name ?></strong> (<?cs var:Login.roles ?>) accepted: <span id="login-subject"><?cs var:Login.subject ?></span>, SHA-256 <code class="fp" id="login-fingerprint"><?cs var:Login.fingerprint ?></code>. Your account has no second factor yet.</p>
<ol>
<li>Scan this code with an authenticator app (TOTP, 6 digits, 30 seconds):<br>
<img src="/login/qr.svg" alt="QR code holding your second-factor secret" width="240" height="240" id="qr"></li>
<li>Or type the secret by hand: <code id="totp-secret" class="fp"><?cs var:Enrol.secret ?></code></li>
<li>Enter the code the app shows to confirm.</li>
</ol>
<?cs if:Login.msg ?><p class="error" id="login-error" role="alert"><?cs var:Login.msg ?></p><?cs /if ?>
<form method="post" action="/login/enrol">
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="code">Code</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required<?cs if:Login.msg ?> aria-invalid="true" aria-describedby="login-error"<?cs /if ?>>
<button type="submit" class="primary" id="enrol">Confirm and log in</button>
</form>
<p class="hint">Nobody at the service can see this secret again once it is confirmed. If you lose it, a security manager must reset your account.</p>
<?cs include:"console_foot.cs" ?>
