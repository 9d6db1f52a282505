<?cs set:Page.title = "Archive check" ?><?cs include:"console_head.cs" ?>
<h1>Archive check <?cs var:Check.id ?></h1>
<?cs if:Check.result == "ok" ?>
<p class="notice" id="check-result" data-result="ok"><strong>The archive is intact.</strong> Every segment checked is signed by the audit key, its records are exactly those that were signed, and each segment follows the one before it.</p>
<?cs elif:Check.result == "integrity_failure" ?>
<p class="error" id="check-result" data-result="integrity_failure" role="alert"><strong>INTEGRITY FAILURE.</strong> The archive shows that something the audit key signed was changed, removed, added, reordered or rolled back. Keep the archive as it is as evidence, and see the problems below.</p>
<?cs else ?>
<p class="error" id="check-result" data-result="unverifiable" role="alert"><strong>The check could not conclude.</strong> This is not evidence against the archive, but it is not a successful check either: see why below.</p>
<?cs /if ?>
<dl class="facts">
<dt>Run by</dt><dd><?cs var:Check.staff ?>, from <?cs var:Check.started ?> to <?cs var:Check.finished ?></dd>
<dt>Scope</dt><dd id="check-scope"><?cs if:Check.scope == "complete" ?>complete (every segment<?cs if:Check.to > 0 ?>, 1 to <?cs var:Check.to ?><?cs /if ?>)<?cs else ?>partial: segments <?cs var:Check.from ?> to <?cs var:Check.to ?><?cs /if ?></dd>
<dt>Origin</dt><dd><code><?cs var:Check.origin ?></code></dd>
<dt>Segments verified</dt><dd><?cs var:Check.segments_verified ?></dd>
<dt>Records in the verified tree</dt><dd><?cs var:Check.tree_size ?><?cs if:Check.root ?> (root <code class="fp"><?cs var:Check.root ?></code>)<?cs /if ?></dd>
<?cs if:Check.pin.size ?>
<dt>Latest signed checkpoint (kept outside the archive)</dt><dd id="check-pin"><?cs var:Check.pin.size ?> records; <?cs if:Check.pin.note ?><?cs var:Check.pin.note ?><?cs elif:Check.pin.verified == "true" ?>matched<?cs if:Check.pin.on_site > 0 ?> (the archive and the <?cs var:Check.pin.on_site ?> records kept on site since its last segment)<?cs /if ?><?cs else ?>not matched<?cs /if ?></dd>
<?cs /if ?>
</dl>
<h2>Problems</h2>
<?cs if:Problems.0.code ?>
<table class="console-table" id="problems">
<caption>Every problem found (the verifier goes on after the first one)</caption>
<thead><tr><th scope="col">Segment</th><th scope="col">What it means</th><th scope="col">Verifier's message</th><th scope="col">Code</th></tr></thead>
<tbody>
<?cs each:p = Problems ?>
<tr><th scope="row"><?cs if:p.segment ?><?cs var:p.segment ?><?cs else ?>whole archive<?cs /if ?></th><td class="<?cs if:p.severity == "integrity" ?>console-alarm<?cs else ?>console-warning<?cs /if ?>"><?cs var:p.words ?></td><td><?cs var:p.message ?></td><td><code><?cs var:p.code ?></code></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs else ?>
<p id="no-problems">None.</p>
<?cs /if ?>
<?cs if:Warnings.0.code ?>
<h2>Warnings</h2>
<p>These do not change the verdict.</p>
<ul id="warnings">
<?cs each:w = Warnings ?><li><?cs if:w.segment ?>Segment <?cs var:w.segment ?>: <?cs /if ?><?cs var:w.message ?> (<code><?cs var:w.code ?></code>)</li><?cs /each ?>
</ul>
<?cs /if ?>
<?cs if:Segments.0.segment ?>
<h2>Segments</h2>
<table class="console-table" id="report-segments">
<caption>Each segment as the verifier found it</caption>
<thead><tr><th scope="col">Segment</th><th scope="col">Status</th><th scope="col">Records</th><th scope="col">First and last record</th><th scope="col">Time-stamp</th></tr></thead>
<tbody>
<?cs each:g = Segments ?>
<tr><th scope="row"><?cs var:g.segment ?></th><td><?cs var:g.status ?></td><td><?cs var:g.count ?><?cs if:g.first_seq ?> (<?cs var:g.first_seq ?>–<?cs var:g.last_seq ?>)<?cs /if ?></td><td><?cs var:g.first_time ?> to <?cs var:g.last_time ?></td><td><?cs var:g.timestamp ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs /if ?>
<p><a href="/archive">Back to the archive</a></p>
<?cs include:"console_foot.cs" ?>
