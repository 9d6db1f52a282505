<?cs set:Page.title = L.signer.cancel.title ?><?cs include:"head.cs" ?>
<h1><?cs var:L.signer.cancel.title ?></h1>
<p class="lead" role="status"><?cs var:L.signer.cancel.lead ?></p>
<?cs if:Cancel.back ?>
<p><a class="button" id="back" href="<?cs var:Cancel.back ?>"><?cs var:L.signer.cancel.back ?><?cs if:Req.sca ?> (<?cs var:Req.sca ?>)<?cs /if ?></a></p>
<?cs else ?>
<p id="close"><?cs var:L.signer.done.close ?></p>
<?cs /if ?>
<?cs include:"foot.cs" ?>
