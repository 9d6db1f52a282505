<?cs set:Page.title = L.signer.approve.title ?><?cs include:"head.cs" ?>
<h1><?cs var:L.signer.approve.title ?></h1>
<p class="lead"><?cs var:L.signer.approve.lead ?> <strong><?cs var:Req.sca ?></strong>.</p>
<?cs if:Req.description ?><p><?cs var:L.signer.overview.description ?> <q><?cs var:Req.description ?></q></p><?cs /if ?>
<?cs include:"sign_request.cs" ?>
<p><?cs var:L.signer.approve.legal ?></p>
<?cs if:!Doc.0.fp ?>
<p class="notice" role="status" id="waiting"><?cs var:L.signer.approve.waiting ?></p>
<p><a class="button" href="/sign/<?cs var:Req.id ?>/approve"><?cs var:L.signer.approve.refresh ?></a></p>
<?cs else ?>
<form method="post" action="/sign/<?cs var:Req.id ?>/approve">
  <input type="hidden" name="csrf" value="<?cs var:Sess.csrf ?>">
  <button type="submit" name="consent" value="true" class="primary" id="approve"><?cs if:Req.num == 1 ?><?cs var:L.signer.approve.one ?><?cs else ?><?cs var:L.signer.approve.many_pre ?> <?cs var:Req.num ?> <?cs var:L.signer.approve.many_post ?><?cs /if ?></button>
</form>
<?cs /if ?>
<?cs include:"sign_cancel.cs" ?>
<?cs include:"foot.cs" ?>
