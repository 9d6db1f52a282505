<?cs set:Page.title = "Audit reviews" ?><?cs include:"console_head.cs" ?>
<h1>Audit reviews</h1>
<p class="lead">The failed attempts of every business day are reviewed once the day is over, the audit log is analysed every two weeks and reconciled every month (AUD-6). Reviews are due from <strong id="review-since"><?cs var:Review.since ?></strong>; business days: <code><?cs var:Review.business_days ?></code> (ISO weekdays, 1 = Monday).</p>
<?cs if:Review.invalid_param ?><p class="console-warning" id="invalid-param">The console parameter <code><?cs var:Review.invalid_param ?></code> is invalid: its default is used until a proposal corrects it.</p><?cs /if ?>
<ul>
<li><a href="/analysis" id="link-analysis">Fortnightly analysis</a></li>
<li><a href="/reconciliation" id="link-reconciliation">Monthly reconciliation</a></li>
</ul>

<section aria-labelledby="days-h">
<h2 id="days-h">Daily review of failed attempts, last 31 days</h2>
<table class="console-table" id="days">
<caption>Business days, newest first</caption>
<thead><tr><th scope="col">Day</th><th scope="col">State</th><th scope="col">Signed off by</th><th scope="col">Failed attempts</th></tr></thead>
<tbody>
<?cs each:d = Days ?>
<tr id="day-<?cs var:d.day ?>" data-state="<?cs var:d.state ?>"><th scope="row"><a href="/review/<?cs var:d.day ?>"><?cs var:d.day ?></a> <?cs var:d.weekday ?></th><td<?cs if:d.overdue ?> class="console-alarm"<?cs /if ?>><?cs var:d.state ?></td><td><?cs if:d.reviewer ?><?cs var:d.reviewer ?>, <?cs var:d.signed ?><?cs /if ?></td><td><?cs var:d.failures ?></td></tr>
<?cs /each ?>
</tbody>
</table>
</section>

<section aria-labelledby="recent-h">
<h2 id="recent-h">Latest sign-offs</h2>
<?cs if:Recent.0.kind ?>
<table class="console-table" id="recent">
<thead><tr><th scope="col">Kind</th><th scope="col">Period</th><th scope="col">Signed off by</th><th scope="col">When</th><th scope="col">Findings</th></tr></thead>
<tbody>
<?cs each:r = Recent ?>
<tr><th scope="row"><?cs var:r.kind ?></th><td><?cs var:r.period_start ?> to <?cs var:r.period_end ?> (excluded)</td><td><?cs var:r.reviewer ?></td><td><?cs var:r.time ?></td><td><?cs var:r.findings ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs else ?>
<p id="no-recent">Nothing signed off yet.</p>
<?cs /if ?>
</section>
<?cs include:"console_foot.cs" ?>
