.PHONY: demo
# demo: a real scan of the Samba lab with the embedded catalog (README's first command).
demo:
	./scripts/demo
