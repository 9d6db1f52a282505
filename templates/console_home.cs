<?cs set:Page.title = L.console.title ?><?cs include:"head.cs" ?>
<h1><?cs var:L.console.title ?></h1>
<p class="lead"><?cs var:L.console.greeting ?> <strong id="staff-name"><?cs var:Staff.name ?></strong></p>
<section aria-labelledby="cert-h">
  <h2 id="cert-h"><?cs var:L.console.cert_title ?></h2>
  <dl class="facts">
    <dt><?cs var:L.console.subject ?></dt><dd id="staff-subject"><?cs var:Staff.subject ?></dd>
    <dt><?cs var:L.console.serial ?></dt><dd><code><?cs var:Staff.serial ?></code></dd>
    <dt><?cs var:L.console.fingerprint ?></dt><dd><code class="fp"><?cs var:Staff.fingerprint ?></code></dd>
  </dl>
</section>
<p><?cs var:L.console.next ?></p>
<?cs include:"foot.cs" ?>
