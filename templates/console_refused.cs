<?cs set:Page.title = "Not a staff account" ?><?cs include:"console_head.cs" ?>
<div class="error" role="alert">
<h1>This certificate opens no staff account</h1>
<?cs if:Refused.disabled ?><p id="refused-msg">The account of this certificate is disabled.</p><?cs else ?><p id="refused-msg">Your browser presented a valid staff certificate, but no active staff account is bound to it. A security manager can propose one; another must approve it.</p><?cs /if ?>
<dl class="facts" id="refused-cert">
<dt>Holder</dt><dd id="cert-name"><?cs var:Refused.name ?></dd>
<dt>Subject</dt><dd id="cert-subject"><?cs var:Refused.subject ?></dd>
<dt>Serial</dt><dd><code><?cs var:Refused.serial ?></code></dd>
<dt>SHA-256</dt><dd><code class="fp" id="cert-fingerprint"><?cs var:Refused.fingerprint ?></code></dd>
</dl>
<p>This refusal is recorded in the audit log.</p>
</div>
<?cs include:"console_foot.cs" ?>
