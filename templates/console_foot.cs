</main>
<footer class="foot"><p>Every action on this console is recorded in the audit log.</p></footer>
</body>
</html>
