<?cs set:Page.title = "Staff" ?><?cs include:"console_head.cs" ?>
<h1>Staff accounts</h1>
<table class="console-table" id="staff">
<caption>One account per named person, bound to their staff certificate</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Roles</th><th scope="col">Status</th><th scope="col">Second factor</th><th scope="col">Certificate</th><th scope="col">Created</th><th scope="col">Id</th></tr></thead>
<tbody>
<?cs each:a = Accounts ?>
<tr><th scope="row"><?cs var:a.name ?></th><td><?cs var:a.roles ?></td><td><?cs var:a.status ?><?cs if:a.locked == "1" ?> (locked)<?cs /if ?></td><td><?cs if:a.enrolled == "1" ?>enrolled<?cs else ?>not yet<?cs /if ?></td><td><?cs var:a.subject ?></td><td><?cs var:a.created ?><?cs if:a.present ?> (present: <?cs var:a.present ?>)<?cs /if ?></td><td><code><?cs var:a.id ?></code></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs if:Staff.role.security_manager ?>
<h2>Propose a change</h2>
<p>Each change takes effect only when another security manager approves it.</p>
<form method="post" action="/proposals/new/account.create" class="console-form">
<fieldset><legend>Create an account</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="ac-name">Full name of the person</label><input type="text" id="ac-name" name="name" required maxlength="128">
<label for="ac-role">Trust role</label><select id="ac-role" name="role"><?cs each:r = Roles ?><option value="<?cs var:r ?>"><?cs var:r ?></option><?cs /each ?></select>
<label for="ac-cert">Their staff certificate (PEM)</label><textarea id="ac-cert" name="cert" rows="6" required></textarea>
<button type="submit" id="propose-account">Propose</button>
</fieldset></form>
<form method="post" action="/proposals/new/role.grant" class="console-form">
<fieldset><legend>Grant a role</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="rg-staff">Account</label><select id="rg-staff" name="staff"><?cs each:a = Accounts ?><?cs if:a.status == "active" ?><option value="<?cs var:a.id ?>"><?cs var:a.name ?></option><?cs /if ?><?cs /each ?></select>
<label for="rg-role">Role</label><select id="rg-role" name="role"><?cs each:r = Roles ?><option value="<?cs var:r ?>"><?cs var:r ?></option><?cs /each ?></select>
<button type="submit" id="propose-grant">Propose</button>
</fieldset></form>
<form method="post" action="/proposals/new/role.revoke" class="console-form">
<fieldset><legend>Revoke a role</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="rr-staff">Account</label><select id="rr-staff" name="staff"><?cs each:a = Accounts ?><?cs if:a.status == "active" ?><option value="<?cs var:a.id ?>"><?cs var:a.name ?></option><?cs /if ?><?cs /each ?></select>
<label for="rr-role">Role</label><select id="rr-role" name="role"><?cs each:r = Roles ?><option value="<?cs var:r ?>"><?cs var:r ?></option><?cs /each ?></select>
<button type="submit" id="propose-revoke">Propose</button>
</fieldset></form>
<form method="post" action="/proposals/new/account.disable" class="console-form">
<fieldset><legend>Disable an account</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="ad-staff">Account</label><select id="ad-staff" name="staff"><?cs each:a = Accounts ?><?cs if:a.status == "active" ?><option value="<?cs var:a.id ?>"><?cs var:a.name ?></option><?cs /if ?><?cs /each ?></select>
<label for="ad-reason">Reason</label><input type="text" id="ad-reason" name="reason" required maxlength="512">
<button type="submit" id="propose-disable">Propose</button>
</fieldset></form>
<?cs /if ?>
<?cs include:"console_foot.cs" ?>
