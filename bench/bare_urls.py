from django.urls import path

from bench.views import hello

urlpatterns = [path("bench/hello", hello)]
