<?cs set:Page.title = "Audit log" ?><?cs include:"console_head.cs" ?>
<h1>Audit log</h1>
<p class="lead">Search the records kept on site (times in UTC). A filter left empty matches everything; filters combine. <a href="/audit/charts" id="link-charts">Charts of the last days</a>.</p>
<form method="get" action="/audit" class="console-form" id="search" role="search">
<fieldset>
<legend>Filters</legend>
<label for="f-from">From (date YYYY-MM-DD or date and time YYYY-MM-DDTHH:MM, included)</label>
<input type="text" id="f-from" name="from" value="<?cs var:Audit.f.from ?>" maxlength="20" placeholder="2026-11-01">
<label for="f-to">To (included: the whole day or minute)</label>
<input type="text" id="f-to" name="to" value="<?cs var:Audit.f.to ?>" maxlength="20" placeholder="2026-11-21T18:00">
<label for="f-type">Event type</label>
<select id="f-type" name="type">
<option value="">Any type</option>
<?cs each:t = Audit.types ?><option value="<?cs var:t.name ?>"<?cs if:t.selected ?> selected<?cs /if ?>><?cs var:t.name ?></option>
<?cs /each ?></select>
<label for="f-outcome">Outcome</label>
<select id="f-outcome" name="outcome">
<option value="">Any outcome</option>
<option value="success"<?cs if:Audit.f.outcome == "success" ?> selected<?cs /if ?>>success</option>
<option value="failure"<?cs if:Audit.f.outcome == "failure" ?> selected<?cs /if ?>>failure</option>
</select>
<label for="f-actor">Actor (identifier: staff id, signatory id, SCA subject, program)</label>
<input type="text" id="f-actor" name="actor" value="<?cs var:Audit.f.actor ?>" maxlength="256">
<label for="f-signatory">Signatory (id)</label>
<input type="text" id="f-signatory" name="signatory" value="<?cs var:Audit.f.signatory ?>" maxlength="256">
<label for="f-sca">SCA (certificate subject or OAuth client id)</label>
<input type="text" id="f-sca" name="sca" value="<?cs var:Audit.f.sca ?>" maxlength="256">
<label for="f-ip">Client IP address</label>
<input type="text" id="f-ip" name="ip" value="<?cs var:Audit.f.ip ?>" maxlength="45">
<label for="f-country">Country (two letters, from GeoIP)</label>
<input type="text" id="f-country" name="country" value="<?cs var:Audit.f.country ?>" maxlength="2">
<label for="f-correlation">Correlation (request or session id)</label>
<input type="text" id="f-correlation" name="correlation" value="<?cs var:Audit.f.correlation ?>" maxlength="64">
</fieldset>
<button type="submit" id="search-submit">Search</button>
</form>

<section aria-labelledby="results-h">
<h2 id="results-h">Results</h2>
<p id="total"><strong id="total-count"><?cs var:Audit.total ?></strong> matching records<?cs if:Audit.shown > 0 ?>, <?cs var:Audit.shown ?> shown, newest first<?cs /if ?>.</p>
<p>Export the matching records: <a href="<?cs var:Audit.export_csv ?>" id="export-csv" download>CSV</a> · <a href="<?cs var:Audit.export_json ?>" id="export-json" download>JSON</a> (at most <?cs var:Audit.export_max ?> records, oldest first; every export is recorded in the audit log).</p>
<?cs if:Audit.export_truncated ?><p class="console-warning" id="export-truncated">More records match than one export holds: an export gives the oldest <?cs var:Audit.export_max ?>. Narrow the period to export the rest.</p><?cs /if ?>
<?cs if:Audit.shown > 0 ?>
<table class="console-table" id="results">
<caption>Audit records</caption>
<thead><tr><th scope="col">Seq</th><th scope="col">Time (UTC)</th><th scope="col">Type</th><th scope="col">Outcome</th><th scope="col">Actor</th><th scope="col">Summary</th></tr></thead>
<tbody>
<?cs each:r = Audit.rows ?>
<tr id="rec-<?cs var:r.seq ?>"><th scope="row"><a href="<?cs var:r.href ?>"><?cs var:r.seq ?></a></th><td><?cs var:r.time ?></td><td><?cs var:r.type ?></td><td<?cs if:r.outcome == "failure" ?> class="console-warning"<?cs /if ?>><?cs var:r.outcome ?></td><td><?cs var:r.actor ?></td><td><?cs var:r.summary ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs else ?>
<p id="no-results">No record matches.</p>
<?cs /if ?>
<nav aria-label="Result pages" class="console-pager">
<?cs if:Audit.newer ?><a href="<?cs var:Audit.newer ?>" id="page-newer" rel="prev">Newer records</a><?cs /if ?>
<?cs if:Audit.older ?><a href="<?cs var:Audit.older ?>" id="page-older" rel="next">Older records</a><?cs /if ?>
</nav>
</section>
<?cs include:"console_foot.cs" ?>
