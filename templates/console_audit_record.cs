<?cs set:Page.title = "Audit record " + Rec.seq ?><?cs include:"console_head.cs" ?>
<h1>Audit record <span id="rec-seq"><?cs var:Rec.seq ?></span></h1>
<p><a href="<?cs var:Rec.back ?>" id="back">Back to the search</a></p>
<?cs if:Rec.members.0.name ?>
<table class="console-table" id="members">
<caption>Every member of the record</caption>
<thead><tr><th scope="col">Member</th><th scope="col">Value</th></tr></thead>
<tbody>
<?cs each:m = Rec.members ?>
<tr><th scope="row"><code><?cs var:m.name ?></code></th><td data-member="<?cs var:m.name ?>"><?cs var:m.value ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs /if ?>
<section aria-labelledby="json-h">
<h2 id="json-h">As JSON</h2>
<pre id="pretty"><?cs var:Rec.pretty ?></pre>
<h2 id="canon-h">Canonical bytes (hashed into the log's Merkle tree)</h2>
<pre id="canonical" class="console-wrap"><?cs var:Rec.canonical ?></pre>
</section>
<?cs include:"console_foot.cs" ?>
