<?cs set:Page.title = L.signer.otp.title ?><?cs include:"head.cs" ?>
<?cs if:Form.error ?>
<div class="error" role="alert" aria-labelledby="err-h" tabindex="-1" id="error-summary">
  <h2 id="err-h"><?cs var:L.signer.form.problem ?></h2>
  <ul><li><a href="#otp" id="otp-error"><?cs var:Form.error ?></a></li></ul>
</div>
<?cs /if ?>
<?cs if:Form.info ?><p class="notice" role="status" id="info"><?cs var:Form.info ?></p><?cs /if ?>
<h1><?cs var:L.signer.otp.title ?></h1>
<p><?cs var:L.signer.otp.sent ?><?cs if:Req.mobile_hint ?> <?cs var:L.signer.method.ending ?> <strong><?cs var:Req.mobile_hint ?></strong><?cs /if ?>.</p>
<?cs if:Notary.name ?><p class="notice"><?cs var:L.signer.otp.notary ?> <strong><?cs var:Notary.name ?></strong></p><?cs /if ?>
<form method="post" action="/sign/<?cs var:Req.id ?>/otp" novalidate>
  <input type="hidden" name="csrf" value="<?cs var:Sess.csrf ?>">
  <label for="otp"><?cs var:L.signer.otp.label ?></label>
  <p class="hint" id="otp-hint"><?cs var:L.signer.otp.hint ?></p>
  <input type="text" id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6" size="8"
    aria-describedby="otp-hint"<?cs if:Form.error ?> aria-invalid="true"<?cs /if ?> required>
  <button type="submit" name="action" value="verify" id="verify"><?cs var:L.signer.otp.verify ?></button>
  <button type="submit" name="action" value="resend" class="secondary" id="resend"><?cs var:L.signer.otp.resend ?></button>
</form>
<?cs include:"sign_cancel.cs" ?>
<?cs include:"foot.cs" ?>
