# A small real Shiny app, the upstream of the browser end-to-end tests (test/e2e/browser.test.ts).
# It shows, on the page itself, who the upstream thinks the user is: the X-Auth-Username and
# X-Auth-Role headers of the request that opened the Shiny session (the WebSocket handshake,
# which authgate forwards with the identity headers it sets). The input/reactive-output pair
# only works while that WebSocket is up. Each page load and each session is logged to stderr
# with the user it came from (the test helper also keeps an access log of every request).
library(shiny)

header_or <- function(value, fallback) if (is.null(value) || identical(value, "")) fallback else value

log_line <- function(...) {
  cat(format(Sys.time(), "%Y-%m-%dT%H:%M:%OS3"), ..., "\n", file = stderr())
}

ui <- function(req) {
  log_line("page", req$REQUEST_METHOD, req$PATH_INFO, "user=", header_or(req$HTTP_X_AUTH_USERNAME, "-"))
  fluidPage(
    titlePanel("Shiny behind authgate"),
    # The upstream's own Sign out: the hop in front of the app redirects it to authgate's logout
    # URL, as rserver does with auth-proxy-sign-out-url (test/support/shiny.ts).
    tags$a(id = "sign-out", href = "auth-sign-out", "Sign out"),
    sidebarLayout(
      sidebarPanel(
        textInput("message", "Message", value = "hello"),
        sliderInput("repeat_count", "Repeat", min = 1, max = 5, value = 1)
      ),
      mainPanel(
        h3("Reactive output"),
        p(id = "echo-line", textOutput("echo", inline = TRUE)),
        h3("Who the app sees"),
        tags$dl(
          tags$dt("X-Auth-Username"), tags$dd(textOutput("username", inline = TRUE)),
          tags$dt("X-Auth-Role"), tags$dd(textOutput("role", inline = TRUE)),
          tags$dt("Query string"), tags$dd(textOutput("search", inline = TRUE))
        )
      )
    )
  )
}

server <- function(input, output, session) {
  username <- header_or(session$request$HTTP_X_AUTH_USERNAME, "(none)")
  role <- header_or(session$request$HTTP_X_AUTH_ROLE, "(none)")
  log_line("session start user=", username, "role=", role)
  session$onSessionEnded(function() log_line("session end user=", username))
  output$echo <- renderText({
    paste0("Echo: ", paste(rep(toupper(input$message), input$repeat_count), collapse = " "),
           " (", nchar(input$message), " characters)")
  })
  output$username <- renderText(username)
  output$role <- renderText(role)
  output$search <- renderText(header_or(session$clientData$url_search, "(none)"))
}

shinyApp(ui, server)
