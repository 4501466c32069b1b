"""The login page: Django's, answering 429 with `Retry-After` once sign-ins are throttled."""

from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    def form_invalid(self, form):
        refusal = getattr(self.request, "credentials_refusal", None)
        if refusal is None:
            return super().form_invalid(form)
        context = self.get_context_data(form=form, throttled=refusal.message)
        response = self.render_to_response(context, status=refusal.status)
        for name, value in refusal.headers.items():
            response[name] = value
        return response
