import AppCore

HelloApp.main()
