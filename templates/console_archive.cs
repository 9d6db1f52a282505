<?cs set:Page.title = "Audit archive" ?><?cs include:"console_head.cs" ?>
<h1>Audit archive</h1>
<p class="lead">The audit log of this node (origin <code id="archive-origin"><?cs var:Archive.origin ?></code>) is archived in signed segments in <code><?cs var:Archive.dir ?></code>. Its integrity must be checked completely at least every six months (ARC-3).</p>
<?cs if:Archive.overdue ?>
<p class="error console-warning" id="archive-overdue" role="alert"><?cs var:Archive.overdue ?></p>
<?cs else ?>
<p class="notice" id="archive-uptodate">The last complete check that found the archive intact was on <?cs var:Archive.last_ok ?>.</p>
<?cs /if ?>

<?cs if:Can.check ?>
<section aria-labelledby="check-h">
<h2 id="check-h">Check the archive</h2>
<p>The check runs the offline verifier on the archive with the audit public key, and compares the archive with the latest checkpoint the audit daemon signed (kept outside the archive), so that removed segments are found too. It can take a while on a large archive.</p>
<form method="post" action="/archive/check" class="console-form">
<fieldset><legend>Complete check (every segment)</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<button type="submit" id="check-all">Check the whole archive</button>
</fieldset></form>
<form method="post" action="/archive/check" class="console-form">
<fieldset><legend>Partial check (a range of segments)</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="check-from">First segment</label><input type="number" id="check-from" name="from" min="1" max="<?cs var:Archive.last ?>" required>
<label for="check-to">Last segment</label><input type="number" id="check-to" name="to" min="1" max="<?cs var:Archive.last ?>" required>
<button type="submit" id="check-range">Check these segments</button>
<p class="hint">A partial check does not count as the six-monthly check.</p>
</fieldset></form>
</section>
<?cs /if ?>

<section aria-labelledby="hist-h">
<h2 id="hist-h">Checks</h2>
<?cs if:Checks.0.id ?>
<table class="console-table" id="checks">
<caption>Integrity checks run from the console, newest first</caption>
<thead><tr><th scope="col">Check</th><th scope="col">Finished</th><th scope="col">By</th><th scope="col">Scope</th><th scope="col">Segments</th><th scope="col">Result</th></tr></thead>
<tbody>
<?cs each:c = Checks ?>
<tr><th scope="row"><a href="/archive/checks/<?cs var:c.id ?>">Report <?cs var:c.id ?></a></th><td><?cs var:c.time ?></td><td><?cs var:c.staff ?></td><td><?cs var:c.scope ?></td><td><?cs var:c.from ?> to <?cs var:c.to ?></td><td<?cs if:c.result != "ok" ?> class="console-alarm"<?cs /if ?>><?cs if:c.result == "ok" ?>intact<?cs elif:c.result == "integrity_failure" ?>INTEGRITY FAILURE<?cs else ?>could not conclude<?cs /if ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs else ?>
<p id="no-checks">No check has been run from the console yet.</p>
<?cs /if ?>
</section>

<?cs if:Can.export ?>
<section aria-labelledby="export-h">
<h2 id="export-h">Recover a period (ARC-4)</h2>
<p>Downloads the segments of this node whose records fall in the period, with the audit public key and instructions to verify them offline with <code>paraphe-audit-verify</code>. The export is recorded in the audit log. At most <?cs var:Archive.export_max_mb ?> MB.</p>
<form method="get" action="/archive/export" class="console-form">
<fieldset><legend>Period (UTC days, inclusive)</legend>
<label for="export-from">From</label><input type="date" id="export-from" name="from" required>
<label for="export-to">To</label><input type="date" id="export-to" name="to" required>
<button type="submit" id="export">Download</button>
</fieldset></form>
</section>
<?cs /if ?>

<section aria-labelledby="seg-h">
<h2 id="seg-h">Segments</h2>
<p><?cs var:Archive.segments ?> segments recorded by the audit daemon<?cs if:Archive.not_shown > 0 ?>; the <?cs var:Archive.not_shown ?> oldest are not listed here<?cs /if ?>.</p>
<?cs if:Segments.0.number ?>
<table class="console-table" id="segments">
<caption>Archive segments, newest first</caption>
<thead><tr><th scope="col">Segment</th><th scope="col">Period (first and last record)</th><th scope="col">Records</th><th scope="col">Cut</th><th scope="col">Time-stamped</th><th scope="col">Manifest SHA-256</th></tr></thead>
<tbody>
<?cs each:g = Segments ?>
<tr><th scope="row"><?cs var:g.number ?></th><td><?cs if:g.first_time ?><?cs var:g.first_time ?> to <?cs var:g.last_time ?><?cs else ?><span class="console-alarm">manifest unreadable</span><?cs /if ?></td><td><?cs var:g.records ?> (<?cs var:g.first_seq ?>–<?cs var:g.last_seq ?>)</td><td><?cs var:g.cut ?></td><td><?cs var:g.timestamped ?></td><td><code class="fp"><?cs var:g.manifest_sha256 ?></code></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs /if ?>
</section>
<?cs include:"console_foot.cs" ?>
