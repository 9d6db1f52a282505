<?cs set:Page.title = L.signer.overview.title ?><?cs include:"head.cs" ?>
<h1><?cs var:L.signer.overview.title ?></h1>
<p class="lead"><strong id="sca-name"><?cs var:Req.sca ?></strong> <?cs var:L.signer.overview.asks ?>
<?cs if:Req.num == 0 ?><?cs var:L.signer.overview.later ?><?cs elif:Req.num == 1 ?><?cs var:L.signer.overview.one_doc ?><?cs else ?><strong id="num"><?cs var:Req.num ?></strong> <?cs var:L.signer.overview.docs ?><?cs /if ?></p>
<?cs if:Req.description ?><p><?cs var:L.signer.overview.description ?> <q id="description"><?cs var:Req.description ?></q></p><?cs /if ?>
<?cs include:"sign_request.cs" ?>
<section aria-labelledby="method-h">
  <h2 id="method-h"><?cs var:L.signer.method.title ?></h2>
  <?cs if:Methods.sms || Methods.sms_notary || Methods.oidc ?>
  <?cs if:Methods.sms || Methods.sms_notary ?>
  <p><?cs var:L.signer.method.intro ?></p>
  <form method="post" action="/sign/<?cs var:Req.id ?>/method" class="methods">
    <input type="hidden" name="csrf" value="<?cs var:Sess.csrf ?>">
    <?cs if:Methods.sms ?>
    <button type="submit" name="method" value="sms" id="method-sms"><?cs var:L.signer.method.sms ?><?cs if:Req.mobile_hint ?> <?cs var:L.signer.method.ending ?> <?cs var:Req.mobile_hint ?><?cs /if ?></button>
    <?cs /if ?>
    <?cs if:Methods.sms_notary ?>
    <button type="submit" name="method" value="sms_notary" id="method-sms-notary"><?cs var:L.signer.method.sms_notary ?> (<?cs var:Notary.name ?>)</button>
    <?cs /if ?>
  </form>
  <?cs /if ?>
  <?cs if:Methods.oidc ?>
  <p><a class="button" href="/sign/<?cs var:Req.id ?>/oidc" id="method-oidc"><?cs var:L.signer.method.oidc ?></a></p>
  <?cs /if ?>
  <?cs else ?>
  <p class="error" role="alert"><?cs var:L.signer.method.none ?></p>
  <?cs /if ?>
</section>
<p class="small"><?cs var:L.signer.overview.expires ?> <?cs var:Req.expires ?></p>
<?cs include:"sign_cancel.cs" ?>
<?cs include:"foot.cs" ?>
