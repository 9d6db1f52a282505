<?cs set:Page.title = "Proposals" ?><?cs include:"console_head.cs" ?>
<h1>Dual control: proposals</h1>
<p>A sensitive change takes effect only when a different authorised person approves it. Proposals expire unless approved in time.</p>
<h2>Waiting for a decision</h2>
<?cs if:Pending.0.id ?>
<table class="console-table" id="pending">
<thead><tr><th scope="col">Proposal</th><th scope="col">Proposed by</th><th scope="col">On (UTC)</th><th scope="col">Expires (UTC)</th></tr></thead>
<tbody>
<?cs each:p = Pending ?>
<tr><th scope="row"><a href="/proposals/<?cs var:p.id ?>"><?cs var:p.summary ?></a></th><td><?cs var:p.proposer_name ?> (<?cs var:p.proposer_roles ?>)</td><td><?cs var:p.created ?></td><td><?cs var:p.expires ?></td></tr>
<?cs /each ?>
</tbody></table>
<?cs else ?><p id="no-pending">No proposal waits for a decision.</p><?cs /if ?>
<?cs if:Kinds.params\.set.may_propose == "1" ?>
<h2>Propose a change of an audit review parameter</h2>
<form method="post" action="/proposals/new/params.set" class="console-form"><fieldset><legend>Audit review parameter</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="pa-name">Parameter</label><select id="pa-name" name="param"><option>business_days</option><option>working_hours</option><option>allowed_countries</option><option>burst_threshold</option><option>max_speed_kmh</option><option>review_since</option></select>
<label for="pa-value">New value</label><input type="text" id="pa-value" name="value" maxlength="256">
<button type="submit" id="propose-param">Propose</button></fieldset></form>
<?cs /if ?>
<?cs if:Kinds.cessation.may_propose == "1" ?>
<h2>Cessation of service</h2>
<form method="post" action="/proposals/new/cessation" class="console-form"><fieldset><legend>Destroy every signatory key (SEC-7)</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="ce-reason">Reason</label><input type="text" id="ce-reason" name="reason" required maxlength="512">
<label for="ce-confirm">Type DESTROY ALL KEYS</label><input type="text" id="ce-confirm" name="confirm" required maxlength="32">
<button type="submit" id="propose-cessation">Propose the cessation</button></fieldset></form>
<?cs /if ?>
<h2>Decided</h2>
<?cs if:Decided.0.id ?>
<table class="console-table" id="decided">
<thead><tr><th scope="col">Proposal</th><th scope="col">Status</th><th scope="col">Proposed by</th><th scope="col">Decided by</th><th scope="col">On (UTC)</th><th scope="col">Result</th></tr></thead>
<tbody>
<?cs each:p = Decided ?>
<tr><th scope="row"><a href="/proposals/<?cs var:p.id ?>"><?cs var:p.summary ?></a></th><td><?cs var:p.status ?></td><td><?cs var:p.proposer_name ?></td><td><?cs var:p.decider_name ?></td><td><?cs var:p.decided ?></td><td><?cs var:p.result ?></td></tr>
<?cs /each ?>
</tbody></table>
<?cs else ?><p>None yet.</p><?cs /if ?>
<?cs include:"console_foot.cs" ?>
