<?cs set:Page.title = "Signatory" ?><?cs include:"console_head.cs" ?>
<h1>Signatory <?cs var:Signatory.id ?></h1>
<?cs if:Query.revoked ?><p class="notice" role="status" id="revoked">Credential <?cs var:Query.revoked ?> revoked; its key was destroyed in the HSM.</p><?cs /if ?>
<h2>Credentials</h2>
<table class="console-table" id="credentials">
<thead><tr><th scope="col">Credential</th><th scope="col">Key</th><th scope="col">Certificate</th><th scope="col">Valid until (UTC)</th><th scope="col">Status</th><?cs if:Staff.role.operator ?><th scope="col">Revoke</th><?cs /if ?></tr></thead>
<tbody>
<?cs each:c = Creds.credentials ?>
<tr><th scope="row"><code><?cs var:c.id ?></code></th><td><?cs var:c.key_type ?><?cs if:c.ephemeral == "true" ?> (ephemeral)<?cs /if ?></td><td><?cs var:c.subject ?> (serial <?cs var:c.serial ?>, <?cs var:c.ca ?> CA)</td><td><?cs var:c.not_after_utc ?></td><td><?cs var:c.status ?></td>
<?cs if:Staff.role.operator ?><td><?cs if:c.status == "active" ?><form method="post" action="/credentials/<?cs var:url_escape(c.id) ?>/revoke"><input type="hidden" name="csrf" value="<?cs var:Csrf ?>"><input type="hidden" name="signatory" value="<?cs var:Signatory.id ?>"><label for="why-<?cs name:c ?>">Reason</label><input type="text" id="why-<?cs name:c ?>" name="reason" required maxlength="256"><button type="submit">Revoke and destroy the key</button></form><?cs /if ?></td><?cs /if ?></tr>
<?cs /each ?>
</tbody></table>
<h2>Signing sessions</h2>
<table class="console-table" id="sessions">
<thead><tr><th scope="col">Session</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Method</th><th scope="col">Documents</th><th scope="col">Signatures used</th><th scope="col">Created (UTC)</th></tr></thead>
<tbody>
<?cs each:x = Sessions.sessions ?>
<tr><th scope="row"><code><?cs var:x.id ?></code></th><td><?cs var:x.kind ?></td><td><?cs var:x.state ?></td><td><?cs var:x.method ?></td><td><?cs var:x.documents ?></td><td><?cs var:x.signatures_used ?></td><td><?cs var:x.created ?></td></tr>
<?cs /each ?>
</tbody></table>
<p><a href="/signatories">All signatories</a></p>
<?cs include:"console_foot.cs" ?>
