<?cs set:Page.title = "SCAs and algorithms" ?><?cs include:"console_head.cs" ?>
<h1>SCA and PKI clients</h1>
<table class="console-table" id="clients">
<thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Roles</th><th scope="col">Status</th><th scope="col">Certificate subject</th><th scope="col">Source</th></tr></thead>
<tbody>
<?cs each:c = Registry.clients ?>
<tr><th scope="row"><?cs var:c.id ?></th><td><?cs var:c.name ?></td><td><?cs each:r = c.roles ?><?cs var:r ?> <?cs /each ?></td><td><?cs var:c.status ?></td><td><?cs var:c.subject ?></td><td><?cs var:c.source ?></td></tr>
<?cs /each ?>
</tbody></table>
<h2>Withdrawn algorithms</h2>
<?cs if:Algos.withdrawn.0.algo ?>
<ul id="withdrawn"><?cs each:a = Algos.withdrawn ?><li><strong><?cs var:a.algo ?></strong> since <?cs var:a.withdrawn_at ?>: <?cs var:a.notice ?></li><?cs /each ?></ul>
<?cs else ?><p id="no-withdrawn">No algorithm has been withdrawn.</p><?cs /if ?>
<?cs if:Staff.role.application_manager ?>
<h2>Propose a change</h2>
<p>Each change takes effect only when another application manager or a security manager approves it.</p>
<form method="post" action="/proposals/new/client.register" class="console-form"><fieldset><legend>Register a client</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="cr-id">Id</label><input type="text" id="cr-id" name="client_id" required maxlength="64">
<label for="cr-name">Name</label><input type="text" id="cr-name" name="client_name" required maxlength="128">
<label for="cr-roles">Roles (sca, ra)</label><input type="text" id="cr-roles" name="client_roles" required maxlength="16" value="sca">
<label for="cr-subject">Certificate subject (RFC 2253)</label><input type="text" id="cr-subject" name="subject" required maxlength="256">
<label for="cr-sha">Certificate SHA-256</label><input type="text" id="cr-sha" name="sha256" required maxlength="64">
<label for="cr-uris">Redirect URIs (space-separated)</label><input type="text" id="cr-uris" name="redirect_uris" maxlength="2048">
<label for="cr-algos">Allowed algorithms (space-separated, empty: all)</label><input type="text" id="cr-algos" name="allowed_algos" maxlength="256">
<label for="cr-contact">Contact</label><input type="text" id="cr-contact" name="contact" required maxlength="256">
<button type="submit" id="propose-client">Propose</button></fieldset></form>
<form method="post" action="/proposals/new/client.remove" class="console-form"><fieldset><legend>Remove a client</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="cx-id">Id</label><input type="text" id="cx-id" name="client_id" required maxlength="64">
<label for="cx-reason">Reason</label><input type="text" id="cx-reason" name="reason" required maxlength="512">
<button type="submit" id="propose-client-remove">Propose</button></fieldset></form>
<form method="post" action="/proposals/new/algorithm.withdraw" class="console-form"><fieldset><legend>Withdraw an algorithm (SEC-6)</legend>
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
<label for="aw-algo">Algorithm (a key type such as rsa3072 or a hash such as sha256)</label><input type="text" id="aw-algo" name="algo" required maxlength="32">
<label for="aw-notice">Notice every SCA will read</label><input type="text" id="aw-notice" name="notice" required maxlength="512">
<button type="submit" id="propose-algo">Propose</button></fieldset></form>
<?cs /if ?>
<?cs include:"console_foot.cs" ?>
