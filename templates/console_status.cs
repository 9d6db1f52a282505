<?cs set:Page.title = "System status" ?><?cs include:"console_head.cs" ?>
<h1>System status</h1>
<p class="lead">Node <code><?cs var:Status.node ?></code>, Paraphe <?cs var:Status.version ?>, at <?cs var:Status.time ?>.
<?cs if:Status.ok ?><strong id="status-overall" data-ok="1">Everything answers and is within its limits.</strong><?cs else ?><strong id="status-overall" data-ok="0" class="console-alarm">Something needs attention (marked below).</strong><?cs /if ?>
The same document for monitoring: <a href="/status.json">status.json</a>.</p>

<section aria-labelledby="comp-h">
<h2 id="comp-h">Components</h2>
<table class="console-table" id="components">
<caption>Each component asked now: the daemons over their sockets, the plugins over FastCGI, nginx on its listeners</caption>
<thead><tr><th scope="col">Component</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Details</th></tr></thead>
<tbody>
<?cs each:c = Status.components ?>
<tr id="component-<?cs var:c.name ?>"><th scope="row"><?cs var:c.name ?></th><td><?cs var:c.kind ?></td><td<?cs if:c.state != "ok" ?> class="console-alarm"<?cs /if ?> data-state="<?cs var:c.state ?>"><?cs if:c.state == "ok" ?>up<?cs elif:c.state == "down" ?>DOWN<?cs elif:c.state == "unknown" ?>not checked<?cs else ?>DEGRADED<?cs /if ?></td><td><?cs var:c.detail ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs if:Status.audit_log.origin ?>
<p id="audit-log">Audit log: <?cs var:Status.audit_log.tree_size ?> records, last checkpoint at <?cs var:Status.audit_log.checkpoint_size ?>, <?cs var:Status.audit_log.segments ?> segments; forwarding <?cs if:Status.audit_log.forwarding ?>working<?cs else ?><span class="console-alarm">FAILING</span><?cs /if ?>; integrity <?cs if:Status.audit_log.integrity ?>intact<?cs else ?><span class="console-alarm">BROKEN</span><?cs /if ?>; writing <?cs if:Status.audit_log.writing ?>works<?cs else ?><span class="console-alarm">FAILS</span><?cs /if ?>.</p>
<?cs /if ?>
</section>

<section aria-labelledby="tok-h">
<h2 id="tok-h">HSM tokens</h2>
<?cs if:Status.tokens.0.component ?>
<table class="console-table" id="tokens">
<caption>As reported by the daemon that uses each token</caption>
<thead><tr><th scope="col">Used by</th><th scope="col">Label</th><th scope="col">Slot</th><th scope="col">Serial</th><th scope="col">Model</th><th scope="col">Present</th><th scope="col">Logged in</th></tr></thead>
<tbody>
<?cs each:t = Status.tokens ?>
<tr><th scope="row"><?cs var:t.component ?></th><td><?cs var:t.label ?></td><td><?cs var:t.slot ?></td><td><?cs var:t.serial ?></td><td><?cs var:t.manufacturer ?> <?cs var:t.model ?></td><td<?cs if:!t.present ?> class="console-alarm"<?cs /if ?>><?cs if:t.present ?>yes<?cs else ?>NO<?cs /if ?></td><td<?cs if:!t.logged_in ?> class="console-alarm"<?cs /if ?>><?cs if:t.logged_in ?>yes<?cs else ?>NO (<?cs var:t.status ?>)<?cs /if ?></td></tr>
<?cs /each ?>
</tbody>
</table>
<?cs else ?>
<p class="console-alarm">No daemon answered about its token.</p>
<?cs /if ?>
</section>

<section aria-labelledby="clock-h">
<h2 id="clock-h">Clock (TIME-1)</h2>
<?cs if:Status.clock.synchronised ?>
<p id="clock" data-synchronised="1">The system clock is synchronised to UTC (maximum error <?cs var:Status.clock.maxerror_us ?> µs, estimated error <?cs var:Status.clock.esterror_us ?> µs).</p>
<?cs else ?>
<p id="clock" data-synchronised="0" class="console-alarm">The system clock is NOT synchronised (the kernel reports it unsynchronised; maximum error <?cs var:Status.clock.maxerror_us ?> µs). Record times may be wrong: start or repair the NTP or PTP service.</p>
<?cs /if ?>
</section>

<section aria-labelledby="disk-h">
<h2 id="disk-h">Disk space</h2>
<table class="console-table" id="disks">
<thead><tr><th scope="col">For</th><th scope="col">Directory</th><th scope="col">Free</th><th scope="col">Total</th><th scope="col">Used</th></tr></thead>
<tbody>
<?cs each:d = Status.disks ?>
<tr><th scope="row"><?cs var:d.what ?></th><td><code><?cs var:d.path ?></code></td><?cs if:d.state == "unreadable" ?><td colspan="3" class="console-alarm">cannot be read</td><?cs else ?><td><?cs var:d.free_mb ?> MB</td><td><?cs var:d.total_mb ?> MB</td><td<?cs if:d.state != "ok" ?> class="console-alarm"<?cs /if ?>><?cs var:d.used_percent ?> %</td><?cs /if ?></tr>
<?cs /each ?>
</tbody>
</table>
</section>

<section aria-labelledby="files-h">
<h2 id="files-h">Executables and configuration</h2>
<p>SHA-256 of the files as they are now; the audit daemon also records those of <code>audit.archive_hash_files</code> in every archive segment (ARC-1).</p>
<table class="console-table" id="files">
<thead><tr><th scope="col">File</th><th scope="col">What</th><th scope="col">Size</th><th scope="col">Modified</th><th scope="col">SHA-256</th></tr></thead>
<tbody>
<?cs each:f = Status.files ?>
<tr><th scope="row"><code><?cs var:f.path ?></code></th><td><?cs var:f.what ?></td><?cs if:f.state == "ok" ?><td><?cs var:f.size ?></td><td><?cs var:f.mtime ?></td><td><code class="fp"><?cs var:f.sha256 ?></code></td><?cs else ?><td colspan="3" class="console-alarm">cannot be read</td><?cs /if ?></tr>
<?cs /each ?>
</tbody>
</table>
</section>
<?cs include:"console_foot.cs" ?>
