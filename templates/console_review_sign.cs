<?cs if:Signed.reviewer ?>
<section aria-labelledby="signed-h">
<h2 id="signed-h">Signed off</h2>
<p id="signed">Signed off by <strong id="signed-by"><?cs var:Signed.reviewer ?></strong> on <?cs var:Signed.time ?>, with <?cs var:Signed.findings ?> finding(s) (review #<?cs var:Signed.id ?>):</p>
<blockquote id="signed-comment" class="console-wrap"><?cs var:Signed.comment ?></blockquote>
</section>
<?cs /if ?>
