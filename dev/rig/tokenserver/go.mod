module jhubcockpit.local/rig/tokenserver

go 1.26.0
