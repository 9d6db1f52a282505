<?cs set:Page.title = "Failed attempts of " + Day.day ?><?cs include:"console_head.cs" ?>
<h1>Failed attempts of <?cs var:Day.day ?> (<?cs var:Day.weekday ?>, UTC)</h1>
<p><a href="/review">All reviews</a></p>
<p class="lead" id="failures-total"><?cs var:Day.failures ?> record(s) with the outcome failure.</p>
<?cs if:Day.truncated ?><p class="console-warning">Too many records: only the first <?cs var:Day.failures ?> are listed and counted.</p><?cs /if ?>
<?cs if:Day.open ?><p class="console-warning" id="day-open">This day is not over: it can be signed off once it has ended.</p><?cs /if ?>
<?cs if:Counts.0.type ?>
<table class="console-table" id="counts">
<caption>Failures by type</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Count</th></tr></thead>
<tbody>
<?cs each:c = Counts ?><tr><th scope="row"><?cs var:c.type ?></th><td data-type="<?cs var:c.type ?>"><?cs var:c.count ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<table class="console-table" id="failures">
<caption>Every failed attempt</caption>
<thead><tr><th scope="col">Record</th><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Actor</th><th scope="col">IP</th><th scope="col">Country</th><th scope="col">Cause</th></tr></thead>
<tbody>
<?cs each:f = Fail ?><tr id="seq-<?cs var:f.seq ?>"><th scope="row"><?cs var:f.seq ?></th><td><?cs var:f.time ?></td><td><?cs var:f.type ?></td><td><?cs var:f.actor_kind ?> <?cs var:f.actor ?></td><td><?cs var:f.ip ?></td><td><?cs var:f.country ?></td><td><?cs var:f.cause ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs if:Day.more ?><p class="console-warning"><?cs var:Day.more ?> more not shown (the report counts them all).</p><?cs /if ?>
<?cs else ?>
<p id="no-failures">No failed attempt that day.</p>
<?cs /if ?>
<?cs include:"console_review_sign.cs" ?>
<?cs if:Day.can_sign ?>
<form method="post" action="/review/<?cs var:Day.day ?>" class="console-form" id="sign-form">
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<fieldset><legend>Sign off the review of <?cs var:Day.day ?></legend>
<label for="comment">What you checked and concluded (required, up to 2,000 characters)</label>
<textarea id="comment" name="comment" rows="5" maxlength="2000" required></textarea>
<p><button type="submit" class="primary" id="sign">Sign off the review</button></p>
</fieldset>
</form>
<?cs /if ?>
<?cs include:"console_foot.cs" ?>
