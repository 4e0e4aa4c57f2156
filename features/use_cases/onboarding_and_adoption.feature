@use_cases @onboarding
Feature: Onboarding and adoption: from the first launch to the features people keep using
  The onboarding journey (fixtures/journeys/onboarding.yaml) starts at the app's first launch. A welcome push and a
  welcome SMS ask the person to complete their profile; whoever has not done it two days later gets an email whose
  link opens the profile screen of the app; then in-app messages show two key features, a full-screen tour at the
  next launch and a banner on the first product page.
  It proves that the first launch enters the journey once, that each welcome channel keeps to its consent, that a
  completed profile is written to the profile and moves the journey on, and that an email link opens the given app
  screen, with every send, open, click and display counted.

  Background:
    Given the app "Shop" with id "com.acme.shop"
    And the SMS sender number "+15550100001"
    And the email sender "hello@acme.test"
    And the landing page "profile" with:
      | title  | Tell us what you like                                   |
      | fields | Favourite category -> favouriteCategory, Size -> size   |
    And the journey "onboarding" is published

  Scenario: Alice completes her profile from the welcome push, then the app shows her its key features
    Given Alice has an iPhone
    And Alice has agreed to marketing push
    And Alice has agreed to marketing SMS
    When Alice installs the "Shop" app
    Then Alice sees the notification "Welcome to Shop, Alice" saying "Tell us what you like: complete your profile for picks made for you"
    And Alice receives an SMS "Welcome to Shop, Alice! Complete your profile in the app" from "+15550100001"
    And Alice is in the journey "onboarding" at step "profile"
    When Alice taps the notification "Welcome to Shop, Alice"
    Then the "Shop" app is open on Alice's phone at "shop://profile"
    When Alice fills in the landing page "profile" with:
      | Favourite category | shoes |
      | Size               | 38    |
    Then Alice's profile shows:
      | favouriteCategory | shoes |
      | size              | 38    |
    And Alice is in the journey "onboarding" at step "settle"
    When Alice closes the "Shop" app
    And 1 hour passes
    And Alice opens the "Shop" app
    Then Alice sees the full-screen in-app message "Scan & pay in store"
    When Alice taps "Show me" in the in-app message
    Then the "Shop" app is open on Alice's phone at "shop://scan"
    When Alice's "Shop" app tracks the state "product"
    Then Alice sees the banner in-app message "Tap the heart to keep it for later"
    When Alice closes the in-app message
    And 2 days pass
    Then Alice receives no email
    And Alice's path in the journey "onboarding" is "welcome_push, welcome_sms, profile, tour, wishlist_tip, settle"
    And the funnel of the step "welcome_push" of the journey "onboarding" is:
      | sent | delivered | opened |
      | 1    | 1         | 1      |
    And the funnel of the step "tour" of the journey "onboarding" is:
      | delivered | displayed | clicked |
      | 1         | 1         | 1       |
    When Alice opens the "Shop" app
    Then Alice entered the journey "onboarding" once

  Scenario: Bob, who left his profile empty, opens it from the reminder email two days later
    Given Bob has an Android phone
    And Bob has agreed to marketing push
    And Bob has refused marketing SMS
    And Bob has agreed to marketing email
    When Bob installs the "Shop" app
    Then Bob sees the notification "Welcome to Shop, Bob"
    And Bob receives no SMS
    And Bob was excluded at the step "welcome_sms" of the journey "onboarding" with SMSNoConsent 050104
    When Bob closes the "Shop" app
    And 47 hours pass
    Then Bob receives no email
    When 1 hour passes
    Then Bob receives an email "Bob, your profile is one minute away"
    When Bob opens the email "Bob, your profile is one minute away"
    And Bob follows "Finish my profile" in the email "Bob, your profile is one minute away" into the "Shop" app
    Then the "Shop" app is open on Bob's phone at "shop://profile"
    And Bob sees the full-screen in-app message "Scan & pay in store"
    When Bob taps "Later" in the in-app message
    Then Bob sees no in-app message
    And Bob's path in the journey "onboarding" is "welcome_push, welcome_sms, profile, reminder_email, tour, wishlist_tip, settle"
    And the funnel of the step "reminder_email" of the journey "onboarding" is:
      | sent | delivered | opened | clicked |
      | 1    | 1         | 1      | 1       |
    And the reasons in the report of the step "welcome_sms" of the journey "onboarding" are:
      | outcome  | reason       | code   | count |
      | excluded | SMSNoConsent | 050104 | 1     |

  Scenario: Everyone who installs enters once, and the journey's figures add up a week later
    Given Alice has an iPhone
    And Alice has agreed to marketing push
    And Alice has agreed to marketing SMS
    And Carol has an Android phone
    And Carol has refused marketing push
    And Carol has agreed to marketing SMS
    When Alice installs the "Shop" app
    And Carol installs the "Shop" app
    Then Carol sees no notification
    And Carol was excluded at the step "welcome_push" of the journey "onboarding" with PushNoConsent 050111
    And Carol receives an SMS "Welcome to Shop, Carol!"
    When Carol fills in the landing page "profile" with:
      | Favourite category | garden |
    And Alice closes the "Shop" app
    And Carol closes the "Shop" app
    And 10 minutes pass
    And Alice opens the "Shop" app
    And Carol opens the "Shop" app
    Then Alice entered the journey "onboarding" once
    And Carol is in the journey "onboarding" at step "settle"
    And Carol sees the full-screen in-app message "Scan & pay in store"
    When 9 days pass
    Then Alice finished the journey "onboarding"
    And Carol finished the journey "onboarding"
    And the report of the journey "onboarding" shows:
      | entered | active | ended | exited |
      | 2       | 0      | 2     | 0      |
    And the report of the journey "onboarding" reconciles
    And the funnel of the step "welcome_push" of the journey "onboarding" is:
      | targeted | excluded | sent | delivered |
      | 2        | 1        | 1    | 1         |
