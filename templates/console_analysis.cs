<?cs set:Page.title = "Fortnightly analysis" ?><?cs include:"console_head.cs" ?>
<h1>Fortnightly analysis, <?cs var:Analysis.from ?> to <?cs var:Analysis.to ?> (excluded)</h1>
<p><a href="/review">All reviews</a></p>
<form method="get" action="/analysis" class="console-form">
<label for="from">First day of the two weeks (UTC)</label>
<input type="date" id="from" name="from" value="<?cs var:Analysis.from ?>">
<button type="submit" class="secondary">Analyse</button>
</form>
<p>Days are UTC; the default is the last 14 days that are over (today is not in them). A fortnight is signed off once it has ended.</p>
<p class="lead" id="analysis-total"><?cs var:Analysis.findings ?> finding(s) over <?cs var:Analysis.records ?> record(s).</p>
<?cs if:Analysis.truncated ?><p class="console-warning">Too many records: the analysis stopped at the first <?cs var:Analysis.records ?>.</p><?cs /if ?>
<?cs if:Analysis.open ?><p class="console-warning" id="analysis-open">These two weeks are not over: the analysis can be signed off once they have ended.</p><?cs /if ?>
<?cs each:sec = Sec ?>
<section aria-labelledby="sec-<?cs var:sec.key ?>-h" id="sec-<?cs var:sec.key ?>" data-count="<?cs var:sec.count ?>">
<h2 id="sec-<?cs var:sec.key ?>-h"><?cs var:sec.title ?> (<?cs var:sec.count ?>)</h2>
<?cs if:sec.count > 0 ?>
<table class="console-table">
<thead><tr><th scope="col">Record</th><th scope="col">Time</th><th scope="col">Who</th><th scope="col">Finding</th></tr></thead>
<tbody>
<?cs each:f = sec.f ?><tr><th scope="row"><?cs var:f.seq ?></th><td><?cs var:f.time ?></td><td><?cs var:f.actor ?></td><td><?cs var:f.text ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs else ?><p>None.</p><?cs /if ?>
</section>
<?cs /each ?>
<?cs include:"console_review_sign.cs" ?>
<?cs if:Analysis.can_sign ?>
<form method="post" action="/analysis" class="console-form" id="sign-form">
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<input type="hidden" name="from" value="<?cs var:Analysis.from ?>">
<fieldset><legend>Sign off the analysis from <?cs var:Analysis.from ?></legend>
<label for="comment">What you checked and concluded (required, up to 2,000 characters)</label>
<textarea id="comment" name="comment" rows="5" maxlength="2000" required></textarea>
<p><button type="submit" class="primary" id="sign">Sign off the analysis</button></p>
</fieldset>
</form>
<?cs /if ?>
<?cs include:"console_foot.cs" ?>
