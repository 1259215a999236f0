"""moomoo OpenAPI adapters: safe SDK access (connection), the quote source, rate limits."""
