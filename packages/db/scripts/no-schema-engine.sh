#!/bin/sh
# Prisma's native schema engine cannot be downloaded on our machines. `prisma generate` only needs
# this path to exist; anything that truly needs the engine must fail loudly, not pretend to work.
echo "Enrollwatch: the native Prisma schema engine is not used here. Use 'pnpm db:migrate:dev NAME' and 'pnpm db:migrate:deploy' (WebAssembly engine / built-in migrator)." >&2
exit 1
