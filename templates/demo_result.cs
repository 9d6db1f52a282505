<?cs set:Page.title = "Demo SCA: result" ?><?cs include:"head.cs" ?>
<h1>Demo SCA: <?cs var:Demo.label ?></h1>
<?cs if:Demo.error ?>
<div class="notice" role="status">
<p>The signature was not made: the service answered <code><?cs var:Demo.error ?></code><?cs
if:Demo.error_description ?> (<?cs var:Demo.error_description ?>)<?cs /if ?>.<?cs
if:Demo.error == "access_denied" ?> The signatory cancelled.<?cs /if ?></p>
</div>
<?cs else ?>
<p class="lead">Signed. The application exchanged the authorisation code for the SAD
(<code>oauth2/token</code>), then had the hash signed (<code>signatures/signHash</code>).</p>
<h2>Document</h2>
<p>SHA-256: <code class="hash"><?cs var:Demo.hash_hex ?></code></p>
<?cs if:Demo.text ?><p>Text signed (save it as <code>document.txt</code>, without a final newline):</p>
<pre><?cs var:Demo.text ?></pre><?cs /if ?>
<h2>Signature (<?cs var:Demo.key_type ?>, base64)</h2>
<pre class="wrap"><?cs var:Demo.signature ?></pre>
<h2>Certificate of credential <?cs var:Demo.credential ?></h2>
<pre>
<?cs var:Demo.certificate ?></pre>
<h2>Verify it yourself</h2>
<p>Save the signature as <code>signature.b64</code> and the certificate as <code>cert.pem</code>, then:</p>
<pre>base64 -d signature.b64 &gt; signature.der
openssl x509 -in cert.pem -noout -subject -issuer -dates
openssl x509 -in cert.pem -pubkey -noout &gt; pub.pem
openssl dgst -sha256 -verify pub.pem -signature signature.der <?cs if:Demo.text ?>document.txt<?cs else ?>YOUR-FILE<?cs /if ?></pre>
<?cs /if ?>
<p><a href="/demo/sca">Sign another document</a></p>
<?cs include:"foot.cs" ?>
