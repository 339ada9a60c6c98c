from biteye_site.cli import entry

entry()
