# The sandbox applications' seeded logins (public test data, see sandbox/*-up.sh).
# clerk reads credentials only from the environment or the keyring; source this
# file to point it at the sandbox. Never put real credentials in the repository.
export CLERK_LEDGERSMB_USER=admin
export CLERK_LEDGERSMB_PASSWORD='Admin123!'
export CLERK_RT_USER=agent
export CLERK_RT_PASSWORD='Agent123!'
# The shared ledger's database role (sandbox/ledger-db-up.sh) and the Celery broker's user
# (sandbox/rabbitmq-up.sh); config holds only the URLs, without passwords.
export CLERK_LEDGER_PASSWORD='Ledger123!'
export CLERK_BROKER_PASSWORD='Broker123!'
