<?cs set:Page.title = "Manual entries" ?><?cs include:"console_head.cs" ?>
<h1>Manual entries</h1>
<p class="lead">Events that happen outside the system (physical access, maintenance, configuration and personnel changes, media destruction) are entered here the same working day (AUD-2). An entry about another day is accepted and marked late.</p>
<form method="post" action="/manual" class="console-form" id="manual-form">
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<fieldset><legend>New entry</legend>
<label for="kind">Kind</label>
<select id="kind" name="kind" required>
<?cs each:k = Kinds ?><option value="<?cs var:k ?>"><?cs var:k ?></option>
<?cs /each ?>
</select>
<label for="event_time">When it happened (UTC)</label>
<input type="datetime-local" id="event_time" name="event_time" value="<?cs var:Form.now ?>" required>
<label for="present">Persons present (names, comma-separated, up to 8)</label>
<input type="text" id="present" name="present" size="80">
<label for="description">What happened (required, up to 2,000 characters; recorded as one paragraph)</label>
<textarea id="description" name="description" rows="5" maxlength="2000" required></textarea>
<p><button type="submit" class="primary" id="record">Record the entry</button></p>
</fieldset>
</form>

<section aria-labelledby="recent-h">
<h2 id="recent-h">Latest entries</h2>
<?cs if:Manual.0.seq ?>
<table class="console-table" id="entries">
<thead><tr><th scope="col">Record</th><th scope="col">Kind</th><th scope="col">Event time</th><th scope="col">Recorded</th><th scope="col">By</th><th scope="col">Present</th><th scope="col">Description</th></tr></thead>
<tbody>
<?cs each:m = Manual ?><tr id="manual-<?cs var:m.seq ?>"<?cs if:m.late ?> data-late="1"<?cs /if ?>><th scope="row"><?cs var:m.seq ?></th><td><?cs var:m.kind ?></td><td><?cs var:m.event_time ?><?cs if:m.late ?> <strong class="console-warning">late</strong><?cs /if ?></td><td><?cs var:m.recorded ?></td><td><?cs var:m.by ?></td><td><?cs var:m.present ?></td><td><?cs var:m.description ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs else ?>
<p id="no-entries">No manual entry yet.</p>
<?cs /if ?>
</section>
<?cs include:"console_foot.cs" ?>
