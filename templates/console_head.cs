<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Page.title ?> · Paraphe console</title>
<link rel="stylesheet" href="/static/paraphe.css">
</head>
<body class="console">
<a class="skip" href="#main" id="skip">Skip to the content</a>
<header class="top">
  <span class="brand">Paraphe console</span>
  <?cs if:Staff.id ?>
  <span class="console-who"><span id="staff-name"><?cs var:Staff.name ?></span> · <span id="staff-roles"><?cs var:Staff.roles ?></span></span>
  <form method="post" action="/logout" class="console-logout"><input type="hidden" name="csrf" value="<?cs var:Csrf ?>"><button type="submit" id="logout" class="secondary">Log out</button></form>
  <?cs /if ?>
</header>
<?cs if:Staff.id ?>
<nav class="console-nav" aria-label="Console">
<ul><?cs each:n = Nav ?><li><a href="<?cs var:n.href ?>"<?cs if:n.current ?> aria-current="page"<?cs /if ?>><?cs var:n.label ?></a></li><?cs /each ?></ul>
</nav>
<?cs /if ?>
<main id="main">
