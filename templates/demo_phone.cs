<?cs set:Page.title = "Demo phone" ?><?cs include:"head.cs" ?>
<h1>Demo phone</h1>
<p class="lead">The text messages the service sent (the SMS spool of the demo: there is no
gateway). Newest first. <a href="/demo/phone">Refresh</a></p>
<?cs if:subcount(Demo.sms) == 0 ?>
<p>No message yet.</p>
<?cs else ?>
<ol class="sms">
<?cs each:m = Demo.sms ?>
<li><p class="to">To +<?cs var:m.to ?></p><p><?cs var:m.text ?></p></li>
<?cs /each ?>
</ol>
<?cs /if ?>
<?cs include:"foot.cs" ?>
