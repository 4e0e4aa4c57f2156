@use_cases @airline
Feature: Airline offers: a seat upgrade and the lounge around a flight
  The seed's customer story, the flight-offers journey (fixtures/journeys/flight-offers.yaml). Booking puts a trip
  card in the Skyways app. When check-in opens, 48 hours before departure, a push offers a seat upgrade, held by quiet
  hours until the traveller's own morning. At the airport (a geofence) those who did not upgrade get a lounge offer
  by push and a lounge pass card; at boarding a reminder goes on WhatsApp to those who prefer it, by SMS to the
  others; after landing the cards are gone.
  It proves that the upgrade offer follows the traveller's time zone, that only the "Upgrade" button upgrades, that the
  airport offer goes only to those who need it, that a transactional reminder reaches even someone who refused
  marketing texts, that the cards do not outlive the flight, and that a cancellation ends it all.

  Background:
    Given the app "Skyways" with id "com.skyways.app"
    And the SMS sender number "+15550100300"
    And the WhatsApp business number "+15550100200" with the templates:
      | name              | category | status   | body                                                                                        |
      | boarding_reminder | UTILITY  | APPROVED | Hi {{1}}, boarding for flight {{2}} to {{3}} starts in 30 minutes. Your boarding pass is in the app. |
    And quiet hours from 22:00 to 07:00 every day in the recipient's time zone on push, queued
    And the journey "flight-offers" is published

  Scenario: Alice upgrades when check-in opens, skips the lounge offer, and gets her boarding reminder on WhatsApp
    Given Alice has an iPhone with the "Skyways" app
    And Alice lives in the "Europe/Paris" time zone
    And Alice has agreed to marketing push
    And Alice's profile has:
      | prefersWhatsApp | true |
    When the event "flight.booked" happens for Alice with:
      | flight      | SK 123   |
      | origin      | Paris    |
      | destination | New York |
      | seat        | 23C      |
    Then Alice's "Skyways" app shows the content card "Paris → New York, flight SK 123" on "trips"
    And Alice sees no notification
    When it is Wednesday 18:00
    And the event "flight.checkinOpened" happens for Alice with:
      | flight | SK 123 |
    Then Alice sees the notification "Upgrade to Premium for €89" saying "Flight SK 123: more legroom, priority boarding and the lounge"
    When Alice taps "Upgrade" on the notification "Upgrade to Premium for €89"
    Then the "Skyways" app is open on Alice's phone at "skyways://upgrade/confirm"
    And Alice's profile shows:
      | cabin | premium |
    When it is Friday 15:00
    And Alice walks into the geofence "Paris CDG airport"
    Then Alice took the branch "premium" in the journey "flight-offers"
    And Alice sees no notification
    And Alice's "Skyways" app shows the content cards "Paris → New York, flight SK 123" in that order on "trips"
    When 2 hours pass
    And the event "flight.boarding" happens for Alice
    Then Alice receives a WhatsApp message "Hi Alice, boarding for flight SK 123 to New York starts in 30 minutes."
    And Alice receives no SMS
    When 9 hours pass
    And the event "flight.landed" happens for Alice
    Then Alice finished the journey "flight-offers"
    And Alice's "Skyways" app shows no content cards on "trips"
    And Alice's path in the journey "flight-offers" is "trip_card, checkin, upgrade, upgrade_answer, upgraded, airport, cabin, boarding, boarding_channel, whatsapp_boarding, landed, done"

  Scenario: Kenji in Tokyo gets the offer in his morning, declines it, and gets the lounge at the airport and an SMS at boarding
    Given Kenji has an Android phone with the "Skyways" app
    And Kenji lives in the "Asia/Tokyo" time zone
    And Kenji has agreed to marketing push
    And Kenji has refused marketing SMS
    When the event "flight.booked" happens for Kenji with:
      | flight      | SK 8  |
      | origin      | Tokyo |
      | destination | Paris |
      | seat        | 41A   |
    And it is Thursday 01:30 in Kenji's time zone
    And the event "flight.checkinOpened" happens for Kenji with:
      | flight | SK 8 |
    Then Kenji sees no notification
    When it is Thursday 06:59 in Kenji's time zone
    Then Kenji sees no notification
    When 1 minute passes
    Then Kenji sees the notification "Upgrade to Premium for €89" saying "Flight SK 8: more legroom, priority boarding and the lounge"
    When Kenji taps "No thanks" on the notification "Upgrade to Premium for €89"
    Then Kenji is in the journey "flight-offers" at step "upgrade_answer"
    When it is Friday 21:00 in Kenji's time zone
    And Kenji walks into the geofence "Tokyo Haneda airport"
    Then Kenji took the branch "otherwise" in the journey "flight-offers"
    And Kenji sees the notification "The lounge tonight: €35" saying "Before flight SK 8: showers, dinner and quiet, two minutes from your gate"
    And Kenji's "Skyways" app shows the content cards "Lounge pass: €35" and "Tokyo → Paris, flight SK 8" in that order on "trips"
    When 4 hours pass
    And the event "flight.boarding" happens for Kenji
    Then Kenji receives an SMS "Kenji, boarding for flight SK 8 to Paris starts in 30 minutes." from "+15550100300"
    And Kenji receives no WhatsApp message
    When the event "flight.landed" happens for Kenji
    Then Kenji's "Skyways" app shows no content cards on "trips"
    And Kenji's path in the journey "flight-offers" is "trip_card, checkin, upgrade, upgrade_answer, airport, cabin, lounge_offer, lounge_card, boarding, boarding_channel, sms_boarding, landed, done"
    And the funnel of the step "upgrade" of the journey "flight-offers" is:
      | sent | delivered | opened | clicked |
      | 1    | 1         | 0      | 1       |

  Scenario: Without push consent there is no offer, and a cancelled flight takes the cards away
    Given Lucia has an iPhone with the "Skyways" app
    And Lucia lives in the "America/New_York" time zone
    And Lucia has refused marketing push
    When the event "flight.booked" happens for Lucia with:
      | flight      | SK 450 |
      | origin      | Boston |
      | destination | Paris  |
      | seat        | 12F    |
    And it is Wednesday 18:00
    And the event "flight.checkinOpened" happens for Lucia with:
      | flight | SK 450 |
    Then Lucia sees no notification
    And Lucia was excluded at the step "upgrade" of the journey "flight-offers" with PushNoConsent 050111
    And Lucia's "Skyways" app shows the content card "Boston → Paris, flight SK 450" on "trips"
    When the event "flight.cancelled" happens for Lucia
    Then Lucia left the journey "flight-offers" because "exit criterion"
    And Lucia's "Skyways" app shows no content cards on "trips"
    And the report of the journey "flight-offers" shows:
      | entered | active | exited |
      | 1       | 0      | 1      |
    And the reasons in the report of the step "upgrade" of the journey "flight-offers" are:
      | outcome  | reason        | code   | count |
      | excluded | PushNoConsent | 050111 | 1     |
