<!DOCTYPE html>
<html lang="<?cs var:Lang ?>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<?cs if:Page.refresh ?><meta http-equiv="refresh" content="<?cs var:Page.refresh ?>"><?cs /if ?>
<title><?cs var:Page.title ?> · <?cs var:L.service ?></title>
<link rel="stylesheet" href="/static/paraphe.css">
</head>
<body>
<a class="skip" href="#main" id="skip"><?cs var:L.skip ?></a>
<header class="top">
  <span class="brand"><?cs var:L.service ?></span>
  <?cs if:Page.other_lang ?><nav aria-label="<?cs var:L.lang_nav ?>"><a id="lang-switch" href="<?cs var:Page.lang_base ?>?lang=<?cs var:Page.other_lang ?>" lang="<?cs var:Page.other_lang ?>" hreflang="<?cs var:Page.other_lang ?>"><?cs var:L.other_lang_name ?></a></nav><?cs /if ?>
</header>
<main id="main">
