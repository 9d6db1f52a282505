<?cs set:Page.title = "Monthly reconciliation" ?><?cs include:"console_head.cs" ?>
<h1>Monthly reconciliation of <?cs var:Recon.month ?></h1>
<p><a href="/review">All reviews</a></p>
<form method="get" action="/reconciliation" class="console-form">
<label for="month">Month (YYYY-MM)</label>
<input type="text" id="month" name="month" value="<?cs var:Recon.month ?>" pattern="[0-9]{4}-[0-9]{2}" size="8">
<button type="submit" class="secondary">Reconcile</button>
</form>
<p class="lead">Every signature of the month must have its SAD, the signatory's authentication and the SCA's request in the audit log; every key in the HSM its live credential and every live credential its key.</p>
<p id="recon-total"><span id="recon-signatures"><?cs var:Recon.signatures ?></span> signature record(s); <strong id="recon-mismatches"><?cs var:Recon.mismatches ?></strong> mismatch(es).</p>
<?cs if:Recon.truncated ?><p class="console-warning">Too many records: the reconciliation stopped early.</p><?cs /if ?>
<?cs if:Recon.hsm ?>
<p id="recon-hsm">HSM: <?cs var:Recon.keys ?> private key(s), <?cs var:Recon.credentials ?> active credential(s).</p>
<?cs else ?>
<p class="console-alarm" id="recon-hsm-error">The HSM inventory is unavailable (<?cs var:Recon.hsm_error ?>): only the log half is reconciled, and it cannot be signed off.</p>
<?cs /if ?>
<?cs if:Recon.open ?><p class="console-warning" id="recon-open">This month is not over: it can be signed off once it has ended.</p><?cs /if ?>
<?cs if:Mismatch.0.text ?>
<table class="console-table" id="mismatches">
<caption>Mismatches</caption>
<thead><tr><th scope="col">Record</th><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">Mismatch</th></tr></thead>
<tbody>
<?cs each:m = Mismatch ?><tr data-rule="<?cs var:m.rule ?>"><th scope="row"><?cs if:m.seq > 0 ?><?cs var:m.seq ?><?cs else ?>HSM<?cs /if ?></th><td><?cs var:m.time ?></td><td><?cs var:m.rule ?></td><td><?cs var:m.text ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs else ?>
<p id="no-mismatch">No mismatch.</p>
<?cs /if ?>
<?cs include:"console_review_sign.cs" ?>
<?cs if:Recon.can_sign ?>
<form method="post" action="/reconciliation" class="console-form" id="sign-form">
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<input type="hidden" name="month" value="<?cs var:Recon.month ?>">
<fieldset><legend>Sign off the reconciliation of <?cs var:Recon.month ?></legend>
<label for="comment">What you checked and concluded (required, up to 2,000 characters)</label>
<textarea id="comment" name="comment" rows="5" maxlength="2000" required></textarea>
<p><button type="submit" class="primary" id="sign">Sign off the reconciliation</button></p>
</fieldset>
</form>
<?cs /if ?>
<?cs include:"console_foot.cs" ?>
