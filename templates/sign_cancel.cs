<form method="post" action="/sign/<?cs var:Req.id ?>/cancel" class="cancel">
  <input type="hidden" name="csrf" value="<?cs var:Sess.csrf ?>">
  <button type="submit" class="secondary" id="cancel"><?cs var:L.signer.cancel.button ?></button>
</form>
