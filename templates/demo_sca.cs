<?cs set:Page.title = "Demo SCA" ?><?cs include:"head.cs" ?>
<h1>Demo signature creation application</h1>
<p class="lead">This page plays an application that prepares documents and asks Paraphe to sign
them. It exists only in the demo instance. The file you choose stays in your browser: only its
SHA-256 hash is sent.</p>
<?cs if:!Demo.ec && !Demo.rsa ?>
<div class="error" role="alert"><p>The demo credentials are not enrolled yet: run
<code>scripts/demo-enrol</code> (the quickstart does it).</p></div>
<?cs else ?>
<form method="post" action="/demo/sca/start" class="card">
  <input type="hidden" name="csrf" value="<?cs var:Demo.csrf ?>">
  <input type="hidden" name="hash" id="hash" value="">
  <p><label for="file">Document to sign</label>
    <input type="file" id="file" aria-describedby="file-help">
    <span id="file-help" class="help">Hashed here, in your browser (needs JavaScript). Without
    JavaScript, type a text below instead.</span></p>
  <p><label for="label">Name shown to the signatory</label>
    <input type="text" id="label" name="label" maxlength="128"></p>
  <p><label for="text">Or a text to sign</label>
    <textarea id="text" name="text" rows="4" maxlength="2000"></textarea></p>
  <fieldset>
    <legend>Signing key of the demo signatory <?cs var:Demo.signatory ?></legend>
    <?cs if:Demo.ec ?><p><input type="radio" id="k-ec" name="key_type" value="ec-p256" checked>
      <label for="k-ec">ECDSA P-256</label></p><?cs /if ?>
    <?cs if:Demo.rsa ?><p><input type="radio" id="k-rsa" name="key_type" value="rsa3072"<?cs if:!Demo.ec ?> checked<?cs /if ?>>
      <label for="k-rsa">RSA 3072</label></p><?cs /if ?>
  </fieldset>
  <p><button type="submit">Ask the signatory to sign</button></p>
</form>
<p>The code goes by SMS to the demo signatory's phone: open <a href="/demo/phone">the demo
phone</a> in another tab.</p>
<?cs /if ?>
<script src="/static/demo-sca.js"></script>
<?cs include:"foot.cs" ?>
