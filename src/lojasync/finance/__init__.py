"""Finance: receivables (contas a receber) created when a sale becomes a fiscal fact, cancelled with it."""
