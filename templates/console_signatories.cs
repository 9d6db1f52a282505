<?cs set:Page.title = "Signatories" ?><?cs include:"console_head.cs" ?>
<h1>Signatories</h1>
<form method="get" action="/signatories" class="console-form"><fieldset><legend>Search</legend>
<label for="q">Identifier or name contains</label><input type="text" id="q" name="q" maxlength="64" value="<?cs var:Query.q ?>">
<label for="sca">SCA</label><input type="text" id="sca" name="sca" maxlength="256">
<button type="submit" id="search">Search</button></fieldset></form>
<p id="total"><?cs var:Result.total ?> signatories</p>
<table class="console-table" id="signatories">
<thead><tr><th scope="col">Identifier</th><th scope="col">Name</th><th scope="col">SCA</th><th scope="col">Mobile</th><th scope="col">Created (UTC)</th><th scope="col">Active credentials</th></tr></thead>
<tbody>
<?cs each:g = Result.signatories ?>
<tr><th scope="row"><a href="/signatories/<?cs var:url_escape(g.id) ?>"><?cs var:g.id ?></a></th><td><?cs var:g.given_name ?> <?cs var:g.surname ?></td><td><?cs var:g.sca ?></td><td><?cs var:g.mobile ?></td><td><?cs var:g.created_ms_utc ?></td><td><?cs var:g.credentials_active ?></td></tr>
<?cs /each ?>
</tbody></table>
<p><?cs if:Query.offset > 0 ?><a href="/signatories?offset=<?cs var:Query.prev ?>">Previous</a> <?cs /if ?><?cs if:Result.total > Query.next ?><a href="/signatories?offset=<?cs var:Query.next ?>" id="next">Next</a><?cs /if ?></p>
<?cs if:Staff.role.operator ?>
<h2>Destroy keys in bulk</h2>
<form method="post" action="/proposals/new/keys.destroy" class="console-form"><fieldset><legend>Propose a bulk key destruction (needs a second person)</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="kd-sca">Every key of the SCA (subject)</label><input type="text" id="kd-sca" name="sca" maxlength="256">
<label for="kd-type">Every key of the type</label><input type="text" id="kd-type" name="key_type" maxlength="32">
<label for="kd-reason">Reason</label><input type="text" id="kd-reason" name="reason" required maxlength="512">
<button type="submit" id="propose-keys">Propose</button></fieldset></form>
<?cs /if ?>
<?cs include:"console_foot.cs" ?>
