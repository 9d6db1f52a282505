<?cs set:Page.title = L.landing.title ?><?cs include:"head.cs" ?>
<h1><?cs var:L.landing.title ?></h1>
<p class="lead"><?cs var:L.landing.lead ?></p>
<?cs if:Notary.name ?>
<section class="notice" aria-labelledby="notary-h">
  <h2 id="notary-h"><?cs var:L.landing.notary_title ?></h2>
  <p><?cs var:L.landing.notary_text ?> <strong><?cs var:Notary.name ?></strong></p>
</section>
<?cs /if ?>
<section aria-labelledby="how-h">
  <h2 id="how-h"><?cs var:L.landing.how_title ?></h2>
  <ol>
    <li><?cs var:L.landing.step1 ?></li>
    <li><?cs var:L.landing.step2 ?></li>
    <li><?cs var:L.landing.step3 ?></li>
  </ol>
  <p><?cs var:L.landing.no_link ?></p>
</section>
<?cs include:"foot.cs" ?>
