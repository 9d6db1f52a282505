<?cs set:Page.title = "Proposal" ?><?cs include:"console_head.cs" ?>
<?cs with:p = Proposal.0 ?>
<h1><?cs var:p.label ?></h1>
<dl class="facts" id="proposal">
<dt>What</dt><dd id="proposal-summary"><?cs var:p.summary ?></dd>
<dt>Proposed by</dt><dd><?cs var:p.proposer_name ?> (<?cs var:p.proposer_roles ?>) on <?cs var:p.created ?> UTC</dd>
<dt>Status</dt><dd id="proposal-status"><?cs var:p.status ?></dd>
<?cs if:p.status == "pending" ?><dt>Expires</dt><dd><?cs var:p.expires ?> UTC</dd><?cs /if ?>
<?cs if:p.decider_name ?><dt>Decided by</dt><dd id="proposal-decider"><?cs var:p.decider_name ?> on <?cs var:p.decided ?> UTC</dd><?cs /if ?>
<?cs if:p.result ?><dt>Result</dt><dd id="proposal-result"><?cs var:p.result ?></dd><?cs /if ?>
<dt>Id</dt><dd><code><?cs var:p.id ?></code></dd>
</dl>
<?cs if:p.status == "pending" ?>
<?cs if:p.may_decide == "1" ?>
<form method="post" action="/proposals/<?cs var:p.id ?>/approve" class="console-inline">
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>"><button type="submit" class="primary" id="approve">Approve</button></form>
<form method="post" action="/proposals/<?cs var:p.id ?>/reject" class="console-inline">
<input type="hidden" name="csrf" value="<?cs var:Csrf ?>"><label for="rej-reason">Reason for rejecting</label><input type="text" id="rej-reason" name="reason" maxlength="512"><button type="submit" id="reject">Reject</button></form>
<?cs elif:p.own == "1" ?><p id="own-proposal">You made this proposal: another authorised person must decide it.</p>
<?cs else ?><p>Your roles do not allow deciding this proposal.</p><?cs /if ?>
<?cs /if ?>
<?cs /with ?>
<p><a href="/proposals">All proposals</a></p>
<?cs include:"console_foot.cs" ?>
