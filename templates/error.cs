<?cs set:Page.title = L.error.title ?><?cs include:"head.cs" ?>
<div class="error" role="alert">
<h1><?cs var:L.error.title ?> <?cs var:Err.status ?></h1>
<?cs if:Err.msg ?>
<p id="error-msg"><?cs var:Err.msg ?></p>
<?cs elif:Err.class == "server" ?>
<p><?cs var:L.error.server ?></p>
<?cs elif:Err.status == "404" ?>
<p><?cs var:L.error.not_found ?></p>
<?cs elif:Err.status == "401" ?>
<p><?cs var:L.error.cert ?></p>
<?cs else ?>
<p><?cs var:L.error.client ?></p>
<?cs /if ?>
<?cs if:Err.detail ?><p class="detail" lang="en"><?cs var:Err.detail ?></p><?cs /if ?>
<?cs if:Err.back ?><p><a href="<?cs var:Err.back ?>" id="error-back"><?cs var:L.error.back ?></a></p><?cs /if ?>
<p><a href="/"><?cs var:L.error.home ?></a></p>
</div>
<?cs include:"foot.cs" ?>
