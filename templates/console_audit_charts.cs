<?cs set:Page.title = "Audit charts" ?><?cs include:"console_head.cs" ?>
<h1>Audit charts</h1>
<p><a href="/audit" id="back">Back to the audit log search</a></p>
<form method="get" action="/audit/charts" class="console-form" id="days-form">
<label for="f-days">Days shown (1 to 366, today included, UTC)</label>
<input type="number" id="f-days" name="days" min="1" max="366" value="<?cs var:Charts.days ?>">
<button type="submit">Show</button>
</form>

<section aria-labelledby="events-h">
<h2 id="events-h">Events and failures per day</h2>
<figure class="chart-figure">
<img src="/charts/events.svg<?cs var:Charts.query ?>" id="chart-events" width="720" height="320" alt="Bar chart of the audit records and failures per day over the last <?cs var:Charts.days ?> days: <?cs var:Charts.total_events ?> records, <?cs var:Charts.total_failures ?> failures. The table below gives every figure.">
<figcaption>Audit records (blue) and failures (red) per UTC day.</figcaption>
</figure>
<table class="console-table" id="daily">
<caption>Records and failures per day, newest first</caption>
<thead><tr><th scope="col">Day</th><th scope="col">Records</th><th scope="col">Failures</th></tr></thead>
<tbody>
<?cs each:d = Charts.daily ?>
<tr><th scope="row"><?cs var:d.day ?></th><td><?cs var:d.events ?></td><td><?cs var:d.failures ?></td></tr>
<?cs /each ?>
</tbody>
</table>
</section>

<section aria-labelledby="sigs-h">
<h2 id="sigs-h">Signatures per SCA</h2>
<figure class="chart-figure">
<img src="/charts/signatures.svg<?cs var:Charts.query ?>" id="chart-signatures" width="720" height="320" alt="Bar chart of the signatures made per SCA over the last <?cs var:Charts.days ?> days. The table below gives every figure.">
<figcaption>Signatures (hashes signed) per SCA.</figcaption>
</figure>
<?cs if:Charts.sigs.0.sca ?>
<table class="console-table" id="sigs">
<caption>Signatures per SCA, most first</caption>
<thead><tr><th scope="col">SCA</th><th scope="col">Signatures</th></tr></thead>
<tbody>
<?cs each:g = Charts.sigs ?>
<tr><th scope="row"><?cs var:g.sca ?></th><td><?cs var:g.n ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs else ?>
<p id="no-sigs">No signature in this period.</p>
<?cs /if ?>
</section>
<?cs include:"console_foot.cs" ?>
