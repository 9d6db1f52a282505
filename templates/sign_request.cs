<section aria-labelledby="docs-h">
  <h2 id="docs-h"><?cs var:L.signer.docs.title ?></h2>
  <?cs if:!Doc.0.fp ?>
  <p id="docs-later"><?cs var:L.signer.docs.later ?></p>
  <?cs else ?>
  <ol class="docs" id="docs">
  <?cs each:d = Doc ?>
    <li><span class="doc-label"><?cs if:d.label ?><?cs var:d.label ?><?cs else ?><?cs var:L.signer.docs.unnamed ?> <?cs var:d.n ?><?cs /if ?></span>
      <span class="doc-fp"><?cs var:L.signer.docs.fingerprint ?> <code class="fp"><?cs var:d.fp ?></code></span></li>
  <?cs /each ?>
  </ol>
  <p class="small"><?cs var:L.signer.docs.fp_help ?></p>
  <?cs /if ?>
</section>
<section aria-labelledby="cert-h">
  <h2 id="cert-h"><?cs var:L.signer.cert.title ?></h2>
  <?cs if:!Cred.serial ?>
  <p id="cert-later"><?cs var:L.signer.cert.later ?></p>
  <?cs else ?>
  <dl class="facts">
    <dt><?cs var:L.signer.cert.holder ?></dt><dd id="cert-holder"><?cs var:Cred.holder ?></dd>
    <dt><?cs var:L.signer.cert.issuer ?></dt><dd><?cs var:Cred.issuer ?></dd>
    <dt><?cs var:L.signer.cert.serial ?></dt><dd><code id="cert-serial"><?cs var:Cred.serial ?></code></dd>
    <dt><?cs var:L.signer.cert.not_after ?></dt><dd><?cs var:Cred.not_after ?></dd>
  </dl>
  <?cs /if ?>
</section>
