"""The platform admin back office (piccolo-admin mounted at /admin), see the admin issue."""
