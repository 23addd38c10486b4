"""The only place with Cognito's PascalCase output shapes, one module per resource group."""
