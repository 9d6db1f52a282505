<?cs set:Page.title = L.signer.done.title ?><?cs include:"head.cs" ?>
<h1><?cs var:L.signer.done.title ?></h1>
<p class="lead" role="status"><?cs if:Done.again ?><?cs var:L.signer.done.again ?><?cs else ?><?cs var:L.signer.done.lead ?><?cs /if ?></p>
<dl class="facts">
  <dt><?cs var:L.signer.done.time ?></dt><dd id="done-time"><?cs var:Done.time ?></dd>
  <dt><?cs var:L.signer.cert.serial ?></dt><dd><code id="done-serial"><?cs var:Done.serial ?></code></dd>
</dl>
<?cs if:Doc.0.fp ?>
<h2><?cs var:L.signer.docs.title ?></h2>
<ol class="docs" id="docs">
<?cs each:d = Doc ?>
  <li><span class="doc-label"><?cs if:d.label ?><?cs var:d.label ?><?cs else ?><?cs var:L.signer.docs.unnamed ?> <?cs var:d.n ?><?cs /if ?></span>
    <span class="doc-fp"><?cs var:L.signer.docs.fingerprint ?> <code class="fp"><?cs var:d.fp ?></code></span></li>
<?cs /each ?>
</ol>
<?cs /if ?>
<?cs if:Done.back ?>
<p><a class="button primary" id="back" href="<?cs var:Done.back ?>"><?cs var:L.signer.done.back ?><?cs if:Req.sca ?> (<?cs var:Req.sca ?>)<?cs /if ?></a></p>
<?cs else ?>
<p id="close"><?cs var:L.signer.done.close ?></p>
<?cs /if ?>
<?cs include:"foot.cs" ?>
