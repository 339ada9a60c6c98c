from biteye_site.cli import main

raise SystemExit(main())
