from django import forms


class StoreConnectForm(forms.Form):
    METHODS = [
        ("client_credentials", "Dev Dashboard app: client id and secret"),
        ("token", "Custom app created in the Shopify admin: access token"),
    ]

    shop_domain = forms.CharField(
        max_length=255,
        label="Shop domain",
        widget=forms.TextInput(attrs={"placeholder": "your-store.myshopify.com"}),
    )
    method = forms.ChoiceField(choices=METHODS, widget=forms.RadioSelect, initial=METHODS[0][0])
    client_id = forms.CharField(max_length=255, required=False, label="Client id")
    client_secret = forms.CharField(
        max_length=255, required=False, label="Client secret", widget=forms.PasswordInput
    )
    access_token = forms.CharField(
        max_length=255,
        required=False,
        label="Admin API access token",
        widget=forms.PasswordInput(attrs={"placeholder": "shpat_…"}),
    )
    webhook_secret = forms.CharField(
        max_length=255,
        required=False,
        label="API secret key (optional, verifies webhooks)",
        widget=forms.PasswordInput,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("method") == "client_credentials":
            for field in ("client_id", "client_secret"):
                if not cleaned.get(field):
                    self.add_error(field, "Needed for a Dev Dashboard app.")
        elif cleaned.get("method") == "token" and not cleaned.get("access_token"):
            self.add_error("access_token", "Paste the app's Admin API access token.")
        return cleaned
