from segue.engine.cli import main

raise SystemExit(main())
