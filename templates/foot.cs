</main>
<footer class="foot"><p><?cs var:L.footer ?></p></footer>
</body>
</html>
