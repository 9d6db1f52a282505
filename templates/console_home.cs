<?cs set:Page.title = "Home" ?><?cs include:"console_head.cs" ?>
<h1>Welcome, <?cs var:Staff.name ?></h1>
<p class="lead">Your trust roles: <strong id="home-roles"><?cs var:Staff.roles ?></strong>.</p>
<?cs if:Alerts.count ?>
<section aria-labelledby="alerts-h" class="console-alerts">
<h2 id="alerts-h">Needs attention</h2>
<ul id="alerts">
<?cs each:a = Alerts ?><?cs if:a.text ?><li class="console-<?cs var:a.level ?>"><?cs if:a.href ?><a href="<?cs var:a.href ?>"><?cs var:a.text ?></a><?cs else ?><?cs var:a.text ?><?cs /if ?></li><?cs /if ?><?cs /each ?>
</ul>
</section>
<?cs else ?>
<p id="no-alerts">Nothing needs your attention.</p>
<?cs /if ?>
<section aria-labelledby="do-h">
<h2 id="do-h">What you can do</h2>
<ul>
<?cs each:n = Nav ?><?cs if:n.href != "/" ?><li><a href="<?cs var:n.href ?>"><?cs var:n.label ?></a></li><?cs /if ?><?cs /each ?>
</ul>
</section>
<?cs include:"console_foot.cs" ?>
